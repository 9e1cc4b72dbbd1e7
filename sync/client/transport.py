"""HTTP to the server (httpx). Network trouble is :class:`SyncUnavailable` (try later); a
refusal with a reason is :class:`SyncRefused` (do not blindly retry)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from sync.protocol import PushResponse
from terminal.errors import LoyaltyError


class SyncUnavailable(LoyaltyError):
    code = "offline"


class SyncRefused(LoyaltyError):
    code = "refused"

    def __init__(self, message: str, reason_code: str, status: int) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.status = status


_push_decoder = msgspec.json.Decoder(PushResponse)


class Transport:
    def __init__(self, server_url: str, token: str | None = None, timeout: float = 30.0,
                 client: httpx.Client | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = client or httpx.Client(base_url=server_url.rstrip("/"), headers=headers,
                                             timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SyncUnavailable(f"Cannot reach the server: {type(exc).__name__}: {exc}.") \
                from None
        if response.status_code >= 500:
            raise SyncUnavailable(f"The server failed ({response.status_code}); will retry.")
        if response.status_code == 429:
            wait = response.headers.get("retry-after", "?")
            raise SyncUnavailable(f"The server refuses this address for {wait} s after "
                                  "repeated failed sign-ins; will retry.")
        if response.status_code >= 400 and not (path.endswith("/push")
                                                and response.status_code == 409):
            code, message = "refused", response.text[:300]
            try:
                error = response.json().get("error", {})
                code, message = error.get("code", code), error.get("message", message)
            except (ValueError, AttributeError):
                pass
            raise SyncRefused(f"The server refused: {message}", code, response.status_code)
        return response

    def health(self) -> dict[str, Any]:
        data: dict[str, Any] = self._send("GET", "/health").json()
        return data

    def register(self, code: str, terminal_id: str | None,
                 head: tuple[int, str] | None = None) -> dict[str, Any]:
        """``head``: this till's journal head (seq, hash), checked by the server when the
        terminal registers again."""
        body: dict[str, Any] = {"code": code, "terminal_id": terminal_id}
        if head is not None:
            body["head_seq"], body["head_hash"] = head
        data: dict[str, Any] = self._send("POST", "/v1/register", json=body).json()
        return data

    def whoami(self) -> dict[str, Any]:
        """The server's view of this credential (401 ``SyncRefused`` when it is refused)."""
        data: dict[str, Any] = self._send("GET", "/v1/sync/whoami").json()
        return data

    def push(self, body: bytes) -> PushResponse:
        response = self._send("POST", "/v1/sync/push", content=body,
                              headers={"content-type": "application/json"})
        try:
            return _push_decoder.decode(response.content)
        except msgspec.DecodeError:
            raise SyncUnavailable("The server's push reply was cut short.") from None

    def pull(self, cursor: str, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"cursor": cursor}
        if limit:
            params["limit"] = limit
        data: dict[str, Any] = self._send("GET", "/v1/sync/pull", params=params).json()
        return data

    def check(self, digests: list[tuple[str, str]]) -> dict[str, Any]:
        data: dict[str, Any] = self._send("POST", "/v1/sync/check",
                                          json={"members": digests}).json()
        return data

    def authorise(self, member_id: str, amount: int, event_id: str,
                  asset: str = "stored_value") -> dict[str, Any]:
        """Ask the server to hold ``amount`` of the member's ``asset`` (``stored_value`` or
        ``cash_back``) for the event; the answer names the asset it held (a server from
        before cash-back holds names none: it held stored value)."""
        data: dict[str, Any] = self._send("POST", "/v1/sync/authorise", json={
            "member_id": member_id, "amount": amount, "event_id": event_id,
            "asset": asset}).json()
        return data

    def release(self, event_id: str) -> dict[str, Any]:
        """Release this terminal's holds of an event it will never send (a refused sale)."""
        data: dict[str, Any] = self._send("POST", "/v1/sync/release",
                                          json={"event_id": event_id}).json()
        return data

    def hold_voucher(self, voucher_id: str, event_id: str, uses: int,
                     pending: list[str]) -> dict[str, Any]:
        """Ask the server to reserve one use of the voucher for the redemption ``event_id``:
        ``{"held": bool, "redemptions": n, …}`` (``held`` false: no use left at any till).
        ``pending``: the event ids of this till's redemptions of it not pushed yet."""
        data: dict[str, Any] = self._send(
            "POST", f"/v1/sync/vouchers/{quote(voucher_id, safe='')}/hold",
            json={"event_id": event_id, "uses": uses, "pending": pending}).json()
        return data

    def voucher(self, voucher_id: str) -> dict[str, Any]:
        """The server's record of a voucher: ``{"id", "status", "redemptions", "held"}``
        (``held``: the uses other tills hold right now; a server from before voucher holds
        sends none)."""
        data: dict[str, Any] = self._send("GET", f"/v1/sync/vouchers/{quote(voucher_id, safe='')}"
                                          ).json()
        return data

    def conflicts(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self._send("GET", "/v1/sync/conflicts").json()
        return data
