"""Old names kept for tests/test_ratelimit*.py only, whose move to tests/helpers/ waits for the
rate-limit rework in flight; delete once they import from tests.helpers directly."""

from .helpers.clocks import SleepRecordingClock as FakeClock
from .helpers.pipeline_harness import drive_sync, get, make_pipeline
from .helpers.scripted_answers import Script

__all__ = ["FakeClock", "Script", "drive_sync", "get", "make_pipeline"]
