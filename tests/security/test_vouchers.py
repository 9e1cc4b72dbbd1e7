"""Signed e-vouchers: issued by the server's key, verified offline at the till.

Every refusal reason is produced here by a real, crafted voucher, not by a stub.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest
from security_testkit import (
    KEY_ID,
    MEMBER,
    NEXT_KEY_ID,
    NEXT_PRIVATE,
    NOW,
    OTHER_MEMBER,
    OTHER_STORE,
    PRIVATE,
    PUBLIC,
    STORE,
    fields,
    issue,
    verify,
)

from terminal import base45
from terminal.errors import InvalidInput, LoyaltyError
from terminal.vouchers import (
    PREFIX,
    SIGNATURE_CONTEXT,
    RefusalReason,
    VoucherKind,
    VoucherRefused,
    encode_payload,
    issue_voucher,
    new_signing_key,
    public_key_of,
    store_tag,
    uses_left,
)


def refusal(text: str, **kwargs: object) -> VoucherRefused:
    with pytest.raises(VoucherRefused) as caught:
        verify(text, **kwargs)  # type: ignore[arg-type]
    return caught.value


def raw_of(text: str) -> bytearray:
    return bytearray(base45.decode(text[len(PREFIX):]))


def text_of(raw: bytes | bytearray) -> str:
    return PREFIX + base45.encode(bytes(raw))


# round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "value", "uses"), [
    (VoucherKind.AMOUNT_OFF, 100, 1),
    (VoucherKind.PERCENT_OFF, 15, 1),
    (VoucherKind.PRODUCT, 4711, 1),
    (VoucherKind.MULTI_USE, 42, 10),
    (VoucherKind.AMOUNT_OFF, 4_294_967_295, 65_535),
])
def test_an_issued_voucher_verifies_with_what_was_issued(kind: VoucherKind, value: int,
                                                         uses: int) -> None:
    issued = fields(kind=kind, value=value, uses=uses)
    voucher = verify(issue_voucher(PRIVATE, KEY_ID, issued))
    assert (voucher.id, voucher.key_id, voucher.kind, voucher.value, voucher.uses) == (
        issued.id, KEY_ID, kind, value, uses)
    assert (voucher.not_before, voucher.not_after) == (issued.not_before, issued.not_after)
    assert voucher.member_id is None and voucher.store_tag is None


def test_a_bound_and_scoped_voucher_carries_member_and_store() -> None:
    voucher = verify(issue(member_id=MEMBER, store_id=STORE))
    assert voucher.member_id == MEMBER
    assert voucher.store_tag == store_tag(STORE)
    assert voucher.is_for_store(STORE) and not voucher.is_for_store(OTHER_STORE)


def test_the_text_is_the_prefix_then_base45_and_fits_a_small_qr() -> None:
    shortest = issue()
    longest = issue(member_id=MEMBER, store_id=STORE)
    assert shortest.startswith("LV1:") and set(shortest) <= set(base45.ALPHABET)
    assert len(shortest) == 4 + 147  # 98 bytes
    assert len(longest) == 4 + 183  # 122 bytes


def test_scanner_noise_case_and_line_end_are_tolerated() -> None:
    text = issue()
    assert verify(text.lower() + "\r\n").id == verify(text).id


def test_validity_is_rounded_inwards_to_the_minute() -> None:
    start = NOW + timedelta(seconds=10)
    end = NOW + timedelta(hours=1, seconds=50)
    voucher = verify(issue(not_before=start, not_after=end), now=NOW + timedelta(minutes=5))
    assert voucher.not_before == NOW + timedelta(minutes=1)
    assert voucher.not_after == NOW + timedelta(hours=1)


def test_face_value_is_known_only_for_amount_off() -> None:
    assert verify(issue(value=250)).face_value == 250
    assert verify(issue(kind=VoucherKind.PERCENT_OFF, value=10)).face_value is None


# refusals, one crafted case each ---------------------------------------------------------------

def test_an_expired_voucher_is_refused_from_its_end_minute() -> None:
    text = issue(not_after=NOW)
    assert verify(text, now=NOW - timedelta(microseconds=1))
    error = refusal(text, now=NOW)
    assert error.reason is RefusalReason.EXPIRED and error.reason.value == "expired"
    assert error.voucher is not None and error.voucher.not_after == NOW


def test_a_voucher_before_its_start_is_not_yet_valid() -> None:
    text = issue(not_before=NOW + timedelta(minutes=1), not_after=NOW + timedelta(days=1))
    assert refusal(text).reason == "not_yet_valid"
    assert verify(text, now=NOW + timedelta(minutes=1))


def test_a_voucher_for_another_store_is_refused() -> None:
    text = issue(store_id=OTHER_STORE)
    assert refusal(text).reason == "wrong_store"
    assert verify(text, store_id=OTHER_STORE)


def test_a_voucher_bound_to_another_member_is_refused() -> None:
    text = issue(member_id=OTHER_MEMBER)
    assert refusal(text).reason == "wrong_member"
    assert refusal(text, member_id="not-a-uuid").reason == "wrong_member"
    assert verify(text, member_id=OTHER_MEMBER.upper())  # any spelling of the same UUID


def test_a_member_bound_voucher_needs_the_member_identified_first() -> None:
    error = refusal(issue(member_id=MEMBER), member_id=None)
    assert error.reason == "wrong_member"
    assert "scan the member" in str(error)


def test_a_revoked_voucher_is_refused() -> None:
    text = issue()
    voucher_id = verify(text).id
    assert refusal(text, revoked=frozenset({voucher_id})).reason == "revoked"


def test_a_used_voucher_is_refused() -> None:
    text = issue()
    voucher_id = verify(text).id
    assert refusal(text, used=frozenset({voucher_id})).reason == "already_used"


def test_a_multi_use_voucher_is_used_up_after_its_uses() -> None:
    voucher = verify(issue(kind=VoucherKind.MULTI_USE, value=42, uses=10))
    assert uses_left(voucher, 0) == 10
    assert uses_left(voucher, 9) == 1
    with pytest.raises(VoucherRefused) as caught:
        uses_left(voucher, 10)
    assert caught.value.reason == "already_used" and caught.value.voucher == voucher


def test_a_signature_by_another_key_is_forged() -> None:
    text = issue_voucher(NEXT_PRIVATE, KEY_ID, fields())  # claims key 1, signed by key 2
    error = refusal(text)
    assert (error.reason, error.detail) == ("forged", "bad signature")
    assert error.voucher is None


def test_an_unknown_key_id_is_forged() -> None:
    text = issue_voucher(PRIVATE, 7, fields())
    error = refusal(text)
    assert (error.reason, error.detail) == ("forged", "unknown key id 7")


@pytest.mark.parametrize("cut", [1, 2, 3, 30, 100, 147])
def test_a_truncated_voucher_is_forged(cut: int) -> None:
    assert refusal(issue()[:-cut]).reason == "forged"


def test_truncation_on_a_byte_boundary_says_truncated() -> None:
    text = issue()
    error = refusal(text[:-3])  # a whole byte pair gone, still valid Base45
    assert error.detail == "truncated"
    assert refusal(text_of(raw_of(text)[:40])).detail == "truncated"


def test_every_single_tampered_byte_is_forged() -> None:
    raw = raw_of(issue(member_id=MEMBER, store_id=STORE))
    for index in range(len(raw)):
        for flip in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[index] ^= flip
            error = refusal(text_of(tampered))
            assert error.reason == "forged", (index, flip)


def test_raising_the_value_breaks_the_signature() -> None:
    raw = raw_of(issue(value=100))
    struct.pack_into(">I", raw, 19, 100_000)
    error = refusal(text_of(raw))
    assert (error.reason, error.detail) == ("forged", "bad signature")


def test_dropping_the_member_binding_breaks_the_signature() -> None:
    raw = raw_of(issue(member_id=MEMBER))
    raw[33] = 0  # flags: claim "anyone"; remove the 16 member bytes
    del raw[34:50]
    assert refusal(text_of(raw)).detail == "bad signature"


def test_bad_base45_is_forged() -> None:
    text = issue()
    error = refusal(text[:10] + "=" + text[11:])
    assert error.reason == "forged" and error.detail.startswith("bad base45")
    assert refusal("LV1:GGW").reason == "forged"


def test_another_version_is_forged_even_when_properly_signed() -> None:
    payload = bytearray(encode_payload(KEY_ID, fields()))
    payload[0] = 2
    signature = new_signing_key()[0]  # any bytes: the version is refused before the signature
    error = refusal(text_of(bytes(payload) + signature * 2))
    assert (error.reason, error.detail) == ("forged", "unknown version 2")


def test_a_signed_payload_with_unknown_flags_is_forged() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    payload = bytearray(encode_payload(KEY_ID, fields()))
    payload[33] = 0x80
    signature = Ed25519PrivateKey.from_private_bytes(PRIVATE).sign(
        SIGNATURE_CONTEXT + bytes(payload))
    assert refusal(text_of(bytes(payload) + signature)).detail == "unknown flags 0x80"


@pytest.mark.parametrize("text", ["", "LV1:", "LV2:BB8", "LM1:BB8", "880000000013", "x" * 5000])
def test_things_that_are_not_vouchers_are_forged(text: str) -> None:
    assert refusal(text).reason == "forged"


def test_forgery_wins_over_every_other_reason() -> None:
    text = issue_voucher(NEXT_PRIVATE, KEY_ID, fields(member_id=OTHER_MEMBER,
                                                      store_id=OTHER_STORE, not_after=NOW))
    assert refusal(text, revoked=frozenset({fields().id})).reason == "forged"


def test_each_reason_has_its_own_plain_message() -> None:
    texts = {
        "expired": refusal(issue(not_after=NOW)),
        "not_yet_valid": refusal(issue(not_before=NOW + timedelta(hours=1))),
        "wrong_store": refusal(issue(store_id=OTHER_STORE)),
        "wrong_member": refusal(issue(member_id=OTHER_MEMBER)),
        "forged": refusal(issue_voucher(PRIVATE, 9, fields())),
    }
    text = issue()
    voucher_id = verify(text).id
    texts["revoked"] = refusal(text, revoked=frozenset({voucher_id}))
    texts["already_used"] = refusal(text, used=frozenset({voucher_id}))
    with pytest.raises(VoucherRefused) as held:  # the last use is another till's, in progress
        uses_left(verify(text), 1, held_elsewhere=1)
    texts["held_elsewhere"] = held.value
    with pytest.raises(VoucherRefused) as used:  # a pushed use and one in progress: used up
        uses_left(verify(text), 2, held_elsewhere=1)
    assert used.value.reason is RefusalReason.ALREADY_USED
    assert {reason: error.reason.value for reason, error in texts.items()} == {
        reason: reason for reason in texts}
    messages = [str(error) for error in texts.values()]
    assert len(set(messages)) == len(messages) == len(RefusalReason)
    assert all(isinstance(error, LoyaltyError) and error.code == "voucher_refused"
               for error in texts.values())


# key rotation ---------------------------------------------------------------------------------

def test_key_rotation_old_and_new_keys_both_verify() -> None:
    old = issue_voucher(PRIVATE, KEY_ID, fields())
    new = issue_voucher(NEXT_PRIVATE, NEXT_KEY_ID, fields())
    assert verify(old).key_id == KEY_ID
    assert verify(new).key_id == NEXT_KEY_ID
    retired = {NEXT_KEY_ID: public_key_of(NEXT_PRIVATE)}
    assert refusal(old, public_keys=retired).detail == f"unknown key id {KEY_ID}"
    assert verify(new, public_keys=retired)


def test_an_unusable_public_key_is_a_refusal_not_a_crash() -> None:
    assert refusal(issue(), public_keys={KEY_ID: b"short"}).reason == "forged"


def test_key_pairs_are_raw_32_bytes() -> None:
    private, public = new_signing_key()
    assert len(private) == len(public) == 32
    assert public_key_of(private) == public
    assert public_key_of(PRIVATE) == PUBLIC


# what the issuer refuses to sign ---------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"kind": VoucherKind.PERCENT_OFF, "value": 101},
    {"kind": VoucherKind.PERCENT_OFF, "value": 0},
    {"value": 0},
    {"value": -1},
    {"value": 2**32},
    {"value": 1.5},
    {"value": True},
    {"uses": 0},
    {"uses": 65_536},
    {"not_after": NOW - timedelta(days=1)},
    {"not_before": NOW, "not_after": NOW + timedelta(seconds=59)},
    {"not_before": datetime(2026, 1, 1)},  # naive: whose midnight?
    {"not_after": datetime(9999, 12, 31, 23, 0, tzinfo=UTC)},
    {"member_id": "member-7"},
    {"store_id": ""},
    {"id": "not-a-uuid"},
    {"kind": 3},
])
def test_the_issuer_refuses_bad_fields(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        fields(**changes)


@pytest.mark.parametrize("key_id", [-1, 256])
def test_key_ids_are_one_byte(key_id: int) -> None:
    with pytest.raises(InvalidInput):
        issue_voucher(PRIVATE, key_id, fields())


def test_a_signing_key_must_be_32_bytes() -> None:
    with pytest.raises(InvalidInput):
        issue_voucher(PRIVATE[:31], KEY_ID, fields())


def test_verify_needs_an_aware_now() -> None:
    with pytest.raises(InvalidInput):
        verify(issue(), now=datetime(2026, 11, 22, 8, 0))
