"""pytest plugin of maintainx-sdk (fixtures arrive with the emulator)."""
