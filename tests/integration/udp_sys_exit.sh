#!/bin/bash
# The UDP cases again with --hooks=sys-exit: the path of kernels where
# fentry cannot attach (as on the CI host, where udp.sh takes it anyway).
# In the kernel matrix only, where udp.sh takes the fentry path.
UDP_HOOKS=sys-exit exec bash "$(dirname "$0")/udp.sh"
