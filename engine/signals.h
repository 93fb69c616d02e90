#pragma once
// SIGINT/SIGTERM set a flag that long-running loops poll between steps, so they can write a
// checkpoint and exit cleanly. A second signal exits at once (exit code 130).
namespace gripcu {
void install_stop_handlers();
bool stop_requested();
void clear_stop_request();  // tests
void request_stop();        // tests / programmatic interruption
}  // namespace gripcu
