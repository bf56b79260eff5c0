import hashlib

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tokens import token_pair_for_user
from chat.models import ChatPreference, Conversation, ConversationMember, Message
from chat.services import conversation_mark_read
from chat.tests.factories import make_match, make_user, send
from core.presence import presence_connect
from core.redis import get_redis, redis_key
from core.tickets import ticket_redeem
from matching.services import match_unmatch
from notifications.models import Notification
from profiles.tests.factories import make_complete

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/api/v1/chat/conversations"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user).access}")
    return client


def messages_url(conversation_id) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"


# --- Conversation list -------------------------------------------------------------------------


def test_conversation_list_shows_card_last_message_unread_and_read_state(pair):
    make_complete(pair.second)
    for index in range(3):
        send(pair.second, pair.match, body=f"message {index}")
    conversation_mark_read(user=pair.first, conversation_id=pair.match.pk, seq=1)
    conversation_mark_read(user=pair.second, conversation_id=pair.match.pk, seq=3)
    presence_connect(pair.second.pk, "socket-1")

    response = client_for(pair.first).get(CONVERSATIONS)

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    (item,) = body["results"]
    assert item["id"] == item["match_id"] == str(pair.match.pk)
    assert item["user"]["id"] == str(pair.second.pk)
    assert item["user"]["display_name"] == "Sam"
    assert "latitude" not in item["user"]
    assert "email" not in item["user"]
    assert item["last_message"]["body"] == "message 2"
    assert item["last_message"]["seq"] == 3
    assert (item["last_seq"], item["unread_count"], item["last_read_seq"]) == (3, 2, 1)
    assert item["other_last_read_seq"] == 3
    assert item["presence"] == {"is_online": True, "last_seen_at": None}


def test_conversation_list_hides_the_read_pointer_of_who_turned_receipts_off(pair):
    ChatPreference.objects.create(user=pair.second, send_read_receipts=False)

    (item,) = client_for(pair.first).get(CONVERSATIONS).json()["results"]

    assert item["other_last_read_seq"] is None


def test_conversation_list_leaves_out_ended_and_other_peoples_conversations(pair):
    ended = make_match(pair.first, make_user("Cy"))
    match_unmatch(user=pair.first, match_id=ended.pk)
    make_match(make_user("Di"), make_user("Ed"))

    results = client_for(pair.first).get(CONVERSATIONS).json()["results"]

    assert [item["id"] for item in results] == [str(pair.match.pk)]


def test_conversation_list_orders_by_latest_activity_and_pages(pair):
    newer = make_match(pair.first, make_user("Cy"))
    send(pair.first, pair.match)
    send(pair.first, newer)

    client = client_for(pair.first)
    first_page = client.get(CONVERSATIONS, {"limit": 1}).json()
    second_page = client.get(first_page["next"]).json()

    assert [item["id"] for item in first_page["results"]] == [str(newer.pk)]
    assert [item["id"] for item in second_page["results"]] == [str(pair.match.pk)]
    assert second_page["next"] is None


def _viewer_with_conversations(count):
    viewer = make_user("Viewer")
    for index in range(count):
        other = make_user(f"P{index}")
        make_complete(other)
        match = make_match(viewer, other)
        send(other, match, body=f"hello {index}")
    return viewer


# auth user, page, last messages, read states, profiles, interests, photos, prompts,
# badges, the viewer's location (presence comes from Redis).
CONVERSATION_LIST_QUERIES = 10


@pytest.mark.parametrize("size", [1, 50])
def test_conversation_list_query_count_is_the_same_for_1_and_50(size, django_assert_num_queries):
    viewer = _viewer_with_conversations(size)
    client = client_for(viewer)
    client.get(CONVERSATIONS)  # records last_seen_at once

    with django_assert_num_queries(CONVERSATION_LIST_QUERIES):
        response = client.get(CONVERSATIONS, {"limit": 50})

    assert len(response.json()["results"]) == size


# --- History -------------------------------------------------------------------------------------


def _conversation_with(pair, count):
    return [send(pair.first, pair.match, body=f"m{index + 1}").message for index in range(count)]


def test_history_pages_backwards_from_the_newest(pair):
    _conversation_with(pair, 5)
    client = client_for(pair.second)

    first = client.get(messages_url(pair.match.pk), {"limit": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert [message["seq"] for message in first["results"]] == [5, 4]
    assert [message["seq"] for message in second["results"]] == [3, 2]
    assert [message["seq"] for message in third["results"]] == [1]
    assert third["next"] is None
    assert first["results"][0]["body"] == "m5"


def test_after_seq_catches_up_oldest_first_with_every_message_once(pair):
    _conversation_with(pair, 7)
    client = client_for(pair.second)

    seen = []
    page = client.get(messages_url(pair.match.pk), {"after_seq": 2, "limit": 2}).json()
    seen += [message["seq"] for message in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [message["seq"] for message in page["results"]]

    assert seen == [3, 4, 5, 6, 7]


def test_after_seq_at_the_end_is_empty(pair):
    _conversation_with(pair, 2)

    body = client_for(pair.first).get(messages_url(pair.match.pk), {"after_seq": 2}).json()

    assert body == {"results": [], "next": None}


@pytest.mark.parametrize(
    "query",
    [{"after_seq": -1}, {"before_seq": 0}, {"after_seq": "x"}, {"after_seq": 1, "before_seq": 3}],
)
def test_history_refuses_bad_parameters(pair, query):
    response = client_for(pair.first).get(messages_url(pair.match.pk), query)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_history_page_size_is_capped(pair, settings):
    settings.KINDRED_CHAT_SEND_RATE = "1000/60"
    _conversation_with(pair, settings.KINDRED_MAX_PAGE_SIZE + 2)

    body = client_for(pair.first).get(messages_url(pair.match.pk), {"limit": 500}).json()

    assert len(body["results"]) == settings.KINDRED_MAX_PAGE_SIZE


@pytest.mark.parametrize("size", [1, 50])
def test_history_query_count_is_the_same_for_1_and_50(
    pair, size, settings, django_assert_num_queries
):
    settings.KINDRED_CHAT_SEND_RATE = "1000/60"
    _conversation_with(pair, size)
    client = client_for(pair.first)
    client.get(messages_url(pair.match.pk))  # records last_seen_at once

    # auth user, the conversation (membership, match, blocks), the messages
    with django_assert_num_queries(3):
        body = client.get(messages_url(pair.match.pk), {"limit": 50}).json()

    assert len(body["results"]) == size


def test_strangers_and_ended_conversations_get_404(pair):
    send(pair.first, pair.match)
    stranger = client_for(make_user("Eve"))

    assert stranger.get(messages_url(pair.match.pk)).status_code == 404
    match_unmatch(user=pair.second, match_id=pair.match.pk)
    response = client_for(pair.first).get(messages_url(pair.match.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "conversation_not_found"


def test_unknown_conversation_is_404(user, auth_client):
    import uuid

    assert auth_client.get(messages_url(uuid.uuid4())).status_code == 404


# --- Send ----------------------------------------------------------------------------------


def test_send_returns_201_then_200_for_a_retry(pair):
    client = client_for(pair.first)
    payload = {"body": "Hello!", "client_message_id": "a1b2-c3"}

    created = client.post(messages_url(pair.match.pk), payload, format="json")
    retried = client.post(messages_url(pair.match.pk), payload, format="json")

    assert created.status_code == 201
    assert retried.status_code == 200
    assert created.json() == retried.json()
    message = created.json()
    assert set(message) == {
        "id",
        "conversation_id",
        "sender_id",
        "seq",
        "kind",
        "body",
        "client_message_id",
        "data",
        "created_at",
    }
    assert (message["seq"], message["sender_id"], message["body"]) == (
        1,
        str(pair.first.pk),
        "Hello!",
    )
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "", "client_message_id": "x1"},
        {"body": "   ", "client_message_id": "x1"},
        {"body": "a\x00b", "client_message_id": "x1"},
        {"body": "x" * 4097, "client_message_id": "x1"},
        {"body": "fine"},
        {"body": "fine", "client_message_id": ""},
        {"body": "fine", "client_message_id": "has space"},
        {"body": "fine", "client_message_id": "x" * 65},
        {"client_message_id": "x1"},
        {"body": ["list"], "client_message_id": "x1"},
    ],
)
def test_send_refuses_invalid_input_with_400_and_stores_nothing(pair, payload):
    response = client_for(pair.first).post(messages_url(pair.match.pk), payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["extra"]["fields"]) <= {"body", "client_message_id"}
    assert Message.objects.count() == 0
    assert Notification.objects.count() == 0


def test_send_to_someone_elses_conversation_is_404(pair):
    response = client_for(make_user("Eve")).post(
        messages_url(pair.match.pk), {"body": "hi", "client_message_id": "e1"}, format="json"
    )

    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_copied_opener_is_400_with_its_code(pair):
    other = make_match(pair.first, make_user("Cy"))
    opener = "Your dog photos made my day, what is the name of the corgi?"
    client = client_for(pair.first)
    client.post(
        messages_url(pair.match.pk), {"body": opener, "client_message_id": "o1"}, format="json"
    )

    response = client.post(
        messages_url(other.pk), {"body": opener, "client_message_id": "o2"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "opener_copied"


def test_send_rate_limit_is_429_with_retry_after(pair, settings):
    settings.KINDRED_CHAT_SEND_RATE = "1/60"
    client = client_for(pair.first)
    client.post(
        messages_url(pair.match.pk), {"body": "one", "client_message_id": "r1"}, format="json"
    )

    response = client.post(
        messages_url(pair.match.pk), {"body": "two", "client_message_id": "r2"}, format="json"
    )

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert Message.objects.count() == 1


def test_send_commits_when_redis_is_down(pair, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    client = client_for(pair.first)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            messages_url(pair.match.pk),
            {"body": "still here", "client_message_id": "d1"},
            format="json",
        )

    assert response.status_code == 201
    assert Message.objects.get().body == "still here"
    assert Notification.objects.filter(user=pair.second).count() == 1
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    caught_up = client_for(pair.second).get(messages_url(pair.match.pk), {"after_seq": 0}).json()
    assert [message["body"] for message in caught_up["results"]] == ["still here"]


# --- Read -----------------------------------------------------------------------------------------


def test_read_moves_the_pointer(pair):
    _conversation_with(pair, 3)
    client = client_for(pair.second)

    response = client.post(f"{CONVERSATIONS}/{pair.match.pk}/read", {"seq": 2}, format="json")
    back = client.post(f"{CONVERSATIONS}/{pair.match.pk}/read", {"seq": 1}, format="json")

    assert response.status_code == 200
    assert response.json() == {"conversation_id": str(pair.match.pk), "last_read_seq": 2}
    assert back.json()["last_read_seq"] == 2
    assert ConversationMember.objects.get(user=pair.second).last_read_seq == 2


@pytest.mark.parametrize("payload", [{}, {"seq": -1}, {"seq": "two"}, {"seq": 9}])
def test_read_refuses_bad_seqs(pair, payload):
    _conversation_with(pair, 1)

    response = client_for(pair.second).post(
        f"{CONVERSATIONS}/{pair.match.pk}/read", payload, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] in {"validation_error", "seq_out_of_range"}
    assert ConversationMember.objects.get(user=pair.second).last_read_seq == 0


# --- Settings and tickets -----------------------------------------------------------------------


def test_chat_settings_read_and_change(user, auth_client):
    assert auth_client.get("/api/v1/chat/settings").json() == {
        "send_read_receipts": True,
        "allow_calls": True,
    }

    response = auth_client.patch(
        "/api/v1/chat/settings", {"send_read_receipts": False}, format="json"
    )

    assert response.json() == {"send_read_receipts": False, "allow_calls": True}
    assert ChatPreference.objects.get(user=user).send_read_receipts is False


def test_chat_settings_refuse_non_booleans(user, auth_client):
    response = auth_client.patch("/api/v1/chat/settings", {"allow_calls": "maybe"}, format="json")

    assert response.status_code == 400
    assert not ChatPreference.objects.exists()


def test_ticket_is_single_use_bound_to_the_user_and_hashed_in_redis(user, auth_client):
    response = auth_client.post("/api/v1/realtime/ticket")

    assert response.status_code == 201
    body = response.json()
    assert body["expires_in"] == settings.KINDRED_REALTIME_TICKET_TTL_SECONDS
    key = redis_key("ws_ticket", hashlib.sha256(body["ticket"].encode()).hexdigest())
    assert 0 < get_redis().ttl(key) <= settings.KINDRED_REALTIME_TICKET_TTL_SECONDS
    assert not list(get_redis().scan_iter(match=f"*{body['ticket']}*"))
    assert ticket_redeem(body["ticket"]) == user.pk
    assert ticket_redeem(body["ticket"]) is None


def test_ticket_needs_authentication(api_client):
    response = api_client.post("/api/v1/realtime/ticket")

    assert response.status_code == 401


def test_ticket_issuing_is_rate_limited(user, auth_client, settings):
    settings.KINDRED_THROTTLES = {**settings.KINDRED_THROTTLES, "realtime_ticket_user": "2/60"}
    auth_client.post("/api/v1/realtime/ticket")
    auth_client.post("/api/v1/realtime/ticket")

    response = auth_client.post("/api/v1/realtime/ticket")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_conversation_rows_exist_for_every_match(pair):
    assert Conversation.objects.filter(pk=pair.match.pk).exists()
