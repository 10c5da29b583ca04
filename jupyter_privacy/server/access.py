"""REST: who may spend which budget, and the high-risk lane's releases with their audit records,
shown apart from the other budgets (core/ledger/highrisk.py `access_summary`)."""

from __future__ import annotations

from tornado import web

from jupyter_privacy.server.base import PrivacyAPIHandler


class AccessHandler(PrivacyAPIHandler):
    @web.authenticated
    async def get(self) -> None:
        from jupyter_privacy.core.ledger.lane_report import access_summary

        state = self.privacy
        if not state.ledger_exists():
            self.write_json({"backend": None, "budgets": [], "high_risk_audit": []})
            return
        self.write_json(await self.off_loop(lambda: access_summary(state.ledger())))
