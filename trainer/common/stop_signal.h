#pragma once

namespace slipway {

// SIGTERM (what Kubernetes sends every pod on preemption) and SIGINT set one flag, the only
// global state besides the logger; the training loop polls it once per step and votes to stop
// through the gradient allreduce, so every rank stops after the same step.
void install_stop_signal_handlers();

// True once SIGTERM or SIGINT arrived.
bool stop_requested();

// The signal that asked to stop (SIGTERM or SIGINT), 0 when none.
int stop_signal();

}  // namespace slipway
