"""The embedded local stack (SPEC §7): a stand-in for the platform on 127.0.0.1.

The runner core never imports this package; only the CLI's ``--local-stack`` wiring and
the tests do.
"""

from eng5_np.localstack.admin_auth import TokenAuthority
from eng5_np.localstack.admin_store import AdminStore
from eng5_np.localstack.broker import BrokerStartError, EmbeddedBroker
from eng5_np.localstack.content_service import (
    ContentFaults,
    ContentServiceServer,
    ContentStats,
    ContentStore,
    create_app,
)
from eng5_np.localstack.judge import JudgeConfig, SimulatedJudge
from eng5_np.localstack.judge_types import FaultConfig
from eng5_np.localstack.stack import LocalStack, LocalStackConfig, serve_cj_service, serve_forever

__all__ = [
    "AdminStore",
    "BrokerStartError",
    "ContentFaults",
    "ContentServiceServer",
    "ContentStats",
    "ContentStore",
    "EmbeddedBroker",
    "FaultConfig",
    "JudgeConfig",
    "LocalStack",
    "LocalStackConfig",
    "SimulatedJudge",
    "TokenAuthority",
    "create_app",
    "serve_cj_service",
    "serve_forever",
]
