#!/bin/sh
# A --workload-file example: what starting processes costs a guest. 200
# runs of /bin/true (each an exec, a C library start-up with its CPUIDs, and
# fresh page tables), then prints how long they took.
start=$(date +%s.%N)
i=0
while [ $i -lt 200 ]; do
	/bin/true
	i=$((i + 1))
done
end=$(date +%s.%N)
echo "spawned $i processes in $(echo "$end - $start" | awk '{print $1 - $3}') s"
