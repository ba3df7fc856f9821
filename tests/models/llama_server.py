"""`python -m llama_cpp.server` for the remote backend's tests, with the model loaded as
Atelier's own backend loads it (no AMX kernels where they crash: models.llama.amx_kernels).
Usage: python tests/models/llama_server.py [llama_cpp.server arguments]"""

import runpy

from atelier.models.llama import without_amx_kernels

with without_amx_kernels():
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
