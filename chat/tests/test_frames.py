"""The socket's `chat.send` frame is read without its serializer when it is well formed; the
result must be what SendFrame gives, and anything SendFrame refuses must still be refused."""

import uuid

import pytest
from rest_framework.exceptions import ValidationError

from chat.consumers import SendFrame, _frame_data, _send_frame_data

CONVERSATION = uuid.UUID("6f1c2b3a-9d4e-4f5a-8b6c-7d8e9f0a1b2c")


@pytest.mark.parametrize(
    "fields",
    [
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": "c-1"},
        {"conversation_id": CONVERSATION.hex, "body": "hi", "client_message_id": "A.b:c_d-9"},
        {"conversation_id": str(CONVERSATION).upper(), "body": "hi", "client_message_id": "x"},
        {"conversation_id": "{" + str(CONVERSATION) + "}", "body": "hi", "client_message_id": "x"},
        {"conversation_id": str(CONVERSATION), "body": {"a": 1}, "client_message_id": "x"},
        {"conversation_id": str(CONVERSATION), "body": None, "client_message_id": "x"},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": "c-1\n"},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": " c-1 "},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": "x" * 64},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": "x" * 65},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": "a b"},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": ""},
        {"conversation_id": str(CONVERSATION), "body": "hi", "client_message_id": 7},
        {"conversation_id": "not-a-uuid", "body": "hi", "client_message_id": "x"},
        {"conversation_id": CONVERSATION.int, "body": "hi", "client_message_id": "x"},
        {"conversation_id": str(CONVERSATION), "client_message_id": "x"},
        {"body": "hi", "client_message_id": "x"},
    ],
)
def test_the_direct_read_of_a_send_frame_agrees_with_its_serializer(fields):
    frame = {"type": "chat.send", **fields}
    try:
        expected = _frame_data(SendFrame, frame)
    except ValidationError:
        with pytest.raises(ValidationError):
            _send_frame_data(frame)
        return

    assert _send_frame_data(frame) == expected
