/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Asserting on domain XML: the string value of an XPath expression over a
 * document. For cmocka tests; include after <cmocka.h>.
 */
#ifndef EXITLAB_TEST_XPATH_ASSERT_H
#define EXITLAB_TEST_XPATH_ASSERT_H

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdlib.h>
#include <string.h>

static inline char *xpath(const char *xml, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "d.xml", NULL, 0);
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr obj;
	char *ret;

	assert_non_null(doc);
	ctx = xmlXPathNewContext(doc);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(obj);
	ret = strdup((const char *)xmlXPathCastToString(obj));
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return ret;
}

#define assert_xpath(xml, expr, want)              \
	do {                                       \
		char *got_ = xpath((xml), (expr)); \
		assert_string_equal(got_, (want)); \
		free(got_);                        \
	} while (0)

#endif
