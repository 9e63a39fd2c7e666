"""Testing helpers: the local MaintainX emulator and its pytest plugin."""
