"""Every tunable default of the SDK, in one place."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.getmaintainx.com/v1"
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_CONNECTIONS = 20
DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 10
DEFAULT_KEEPALIVE_EXPIRY = 30.0
#: How long to wait for a free pooled connection before raising PoolExhaustedError.
DEFAULT_POOL_TIMEOUT = 10.0

ENV_API_KEY = "MAINTAINX_API_KEY"
ENV_API_KEY_FILE = "MAINTAINX_API_KEY_FILE"
ENV_BASE_URL = "MAINTAINX_BASE_URL"
ENV_ORGANIZATION_ID = "MAINTAINX_ORGANIZATION_ID"

ORGANIZATION_HEADER = "x-organization-id"
ORGANIZATIONS_HEADER = "x-organization-ids"

RATE_LIMIT_LIMIT_HEADER = "x-rate-limit-limit"
RATE_LIMIT_REMAINING_HEADER = "x-rate-limit-remaining"
RATE_LIMIT_RESET_HEADER = "x-rate-limit-reset"

#: Largest page size the spec allows on every paginated list.
MAX_PAGE_SIZE = 200
