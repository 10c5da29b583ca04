"""Market policy as code: `privacy-policy.yaml` says per market which fields may be collected and
which features may be served; `load_policy(path)` returns a `Policy` that enforces it at data
collection (`collect`) and inference (`allows`, `require`, `@feature`) and records every blocking
decision in the ledger. No Jupyter import (see docs/policy.md)."""

from jupyter_privacy.core.policy.check import Finding, check_policy, policy_gate
from jupyter_privacy.core.policy.document import Decision, PolicyDocument, read_policy
from jupyter_privacy.core.policy.draft import draft_policy, write_policy
from jupyter_privacy.core.policy.enforce import Collected, Policy, load_policy
from jupyter_privacy.core.policy.errors import PolicyBlockedError

__all__ = [
    "Collected", "Decision", "Finding", "Policy", "PolicyBlockedError", "PolicyDocument",
    "check_policy", "draft_policy", "load_policy", "policy_gate", "read_policy", "write_policy",
]  # fmt: skip
