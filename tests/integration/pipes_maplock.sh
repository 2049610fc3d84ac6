#!/bin/bash
# The pipe cases again with --pipe-lock=map: the variant that kernels
# without bpf_spin_lock for tracing programs (5.10) load, run here too.
PIPE_LOCK=map exec bash "$(dirname "$0")/pipes.sh"
