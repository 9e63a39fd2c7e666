"""Test helpers, one job per module: clocks, scripted transports, recording handlers and
observers, client and pipeline harnesses, and the few hand-made servers the emulator must
never imitate."""
