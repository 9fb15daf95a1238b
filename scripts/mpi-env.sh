# Sourced by the scripts: what mpirun needs on this host. Root needs OpenMPI's explicit
# consent; --oversubscribe only when ranks exceed the cores.
if [[ $(id -u) -eq 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mpirun_flags() {  # mpirun_flags RANKS
  local ranks=$1 flags=(-np "$ranks")
  (( ranks > $(nproc) )) && flags+=(--oversubscribe)
  echo "${flags[@]}"
}
