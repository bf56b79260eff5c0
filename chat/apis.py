"""Chat's REST endpoints (API.md, Chat) and the socket ticket. Thin: rules live in
`chat.services`, reads in `chat.selectors`."""

from datetime import datetime
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.authentication import AuthenticatedRequest
from chat import serializers as io
from chat.events import message_payload
from chat.selectors import (
    chat_preference_for,
    conversation_get_for_participant,
    conversation_list_for_user,
    last_messages,
    message_list_after,
    message_list_before,
    other_members_read_state,
)
from chat.services import chat_preference_update, conversation_mark_read, message_send
from core import presence
from core.pagination import CursorPagination
from core.schema import error_responses
from core.throttling import UserThrottle
from core.tickets import ticket_issue
from core.validation import validated
from profiles.models import Profile
from profiles.public import PublicProfileOutput, public_profile_context

TAGS = ["chat"]


class ConversationPagination(CursorPagination):
    ordering = "-activity_at"


class ConversationListApi(APIView):
    @extend_schema(
        operation_id="chat_conversations_list",
        summary="My conversations",
        description=(
            "Conversations of my open matches, most recent activity first: the other "
            "member's card and presence, the last message, my unread count (messages after "
            "my read pointer that I did not send) and how far each of us has read. The same "
            "number of queries for any page size."
        ),
        parameters=[
            OpenApiParameter("limit", int, description="Page size (capped)."),
            OpenApiParameter("cursor", str, description="From `next` or `previous`."),
        ],
        responses={200: io.ConversationPageOutput, **error_responses(401)},
        tags=TAGS,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        paginator = ConversationPagination()
        members = list(
            paginator.paginate_queryset(
                conversation_list_for_user(user=request.user), request, view=self
            )
            or []
        )
        viewer_id = request.user.pk
        conversation_ids = [member.conversation_id for member in members]
        other_ids = {
            member.conversation_id: member.conversation.match.other_user_id(viewer_id)
            for member in members
        }
        latest = last_messages(conversation_ids)
        read_states = other_members_read_state(
            viewer_id=viewer_id, conversation_ids=conversation_ids
        )
        profiles = {
            profile.pk: profile
            for profile in Profile.objects.filter(pk__in=other_ids.values()).prefetch_related(
                "interests"
            )
        }
        context = public_profile_context(viewer=request.user, profiles=list(profiles.values()))
        online = presence.online_user_ids(other_ids.values())
        seen = presence.last_seen_at(other_ids.values())
        results = []
        for member in members:
            conversation = member.conversation
            other_id = other_ids[conversation.pk]
            message = latest.get(conversation.pk)
            state = read_states.get(conversation.pk)
            results.append(
                {
                    "id": str(conversation.pk),
                    "match_id": str(conversation.pk),
                    "user": PublicProfileOutput(profiles[other_id], context=context).data
                    if other_id in profiles
                    else None,
                    "presence": {
                        "is_online": other_id in online,
                        "last_seen_at": None if other_id in online else _iso(seen.get(other_id)),
                    },
                    "last_message": message_payload(message) if message else None,
                    "last_seq": conversation.last_seq,
                    "unread_count": member.unread_count,  # type: ignore[attr-defined]
                    "last_read_seq": member.last_read_seq,
                    "other_last_read_seq": state.last_read_seq if state else None,
                    "last_activity_at": _iso(conversation.last_activity_at),
                }
            )
        return Response(
            {
                "results": results,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            }
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


class MessageListApi(APIView):
    @extend_schema(
        operation_id="chat_messages_list",
        summary="Messages of a conversation",
        description=(
            "Without parameters: the newest messages, newest first; follow `next` "
            "(`before_seq`) to scroll back. With `after_seq=N`: the messages after seq N, "
            "oldest first, to catch up after a reconnect; follow `next` until it is null. "
            "404 `conversation_not_found` unless I am a member of the open match."
        ),
        parameters=[io.MessageQueryInput],
        responses={200: io.MessagePageOutput, **error_responses(400, 401, 404)},
        tags=TAGS,
    )
    def get(self, request: AuthenticatedRequest, conversation_id: UUID) -> Response:
        query = validated(io.MessageQueryInput, request.query_params)
        conversation = conversation_get_for_participant(
            user=request.user, conversation_id=conversation_id
        )
        limit = query["limit"]
        url = remove_query_param(
            remove_query_param(request.build_absolute_uri(), "after_seq"), "before_seq"
        )
        if "after_seq" in query:
            messages = message_list_after(
                conversation=conversation, after_seq=query["after_seq"], limit=limit + 1
            )
            more = len(messages) > limit
            messages = messages[:limit]
            next_url = replace_query_param(url, "after_seq", messages[-1].seq) if more else None
        else:
            messages = message_list_before(
                conversation=conversation, before_seq=query.get("before_seq"), limit=limit + 1
            )
            more = len(messages) > limit
            messages = messages[:limit]
            next_url = replace_query_param(url, "before_seq", messages[-1].seq) if more else None
        return Response(
            {"results": [message_payload(message) for message in messages], "next": next_url}
        )

    @extend_schema(
        operation_id="chat_messages_send",
        summary="Send a message",
        description=(
            "Stores the message with the conversation's next `seq`, then tells both members' "
            "sockets (`chat.message_created`) and notifies the other. 201 for a new message; "
            "200 with the first message when this `client_message_id` was already sent "
            "(a retry). Errors: 400 `validation_error` (text rules: 1–4096 characters, not "
            "blank, no control characters but newline and tab), 400 `opener_copied` (a first "
            "message copied from your recent openers to other people; flagged for "
            "moderators), 403 `account_suspended`/`account_banned`, 404 "
            "`conversation_not_found` (not yours, unmatched, blocked), 409 "
            "`client_message_id_reused` (used in another conversation), 429 `rate_limited` / "
            "`opener_rate_limited`."
        ),
        request=io.MessageSendInput,
        responses={
            201: io.MessageOutput,
            200: io.MessageOutput,
            **error_responses(400, 401, 403, 404, 409, 429),
        },
        tags=TAGS,
    )
    def post(self, request: AuthenticatedRequest, conversation_id: UUID) -> Response:
        data = validated(io.MessageSendInput, request.data)
        result = message_send(sender=request.user, conversation_id=conversation_id, **data)
        return Response(message_payload(result.message), status=201 if result.created else 200)


class ReadApi(APIView):
    @extend_schema(
        operation_id="chat_conversations_read",
        summary="Mark read up to a seq",
        description=(
            "Moves my read pointer forward to `seq` (never back: an older seq changes "
            "nothing). My other devices get `chat.read`; the other member too, unless I "
            "turned read receipts off. 400 `seq_out_of_range` beyond the newest message."
        ),
        request=io.ReadInput,
        responses={200: io.ReadOutput, **error_responses(400, 401, 404)},
        tags=TAGS,
    )
    def post(self, request: AuthenticatedRequest, conversation_id: UUID) -> Response:
        data = validated(io.ReadInput, request.data)
        result = conversation_mark_read(
            user=request.user, conversation_id=conversation_id, seq=data["seq"]
        )
        return Response(
            {"conversation_id": str(result.conversation_id), "last_read_seq": result.last_read_seq}
        )


class ChatPreferenceApi(APIView):
    @extend_schema(
        operation_id="chat_settings_get",
        summary="My chat settings",
        responses={200: io.ChatPreferenceOutput, **error_responses(401)},
        tags=TAGS,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(io.ChatPreferenceOutput(chat_preference_for(request.user.pk)).data)

    @extend_schema(
        operation_id="chat_settings_update",
        summary="Change my chat settings",
        description="Read receipts and calls; fields left out keep their value.",
        request=io.ChatPreferenceInput,
        responses={200: io.ChatPreferenceOutput, **error_responses(400, 401)},
        tags=TAGS,
    )
    def patch(self, request: AuthenticatedRequest) -> Response:
        data = validated(io.ChatPreferenceInput, request.data)
        preference = chat_preference_update(user=request.user, **data)
        return Response(io.ChatPreferenceOutput(preference).data)


class RealtimeTicketThrottle(UserThrottle):
    scope = "realtime_ticket_user"


class RealtimeTicketApi(APIView):
    throttle_classes = [RealtimeTicketThrottle]

    @extend_schema(
        operation_id="realtime_ticket",
        summary="One-time ticket for the socket",
        description=(
            "Open `/ws/v1/?ticket=<ticket>` within `expires_in` seconds. The ticket works "
            "once and only for you; tokens never go in URLs. The socket protocol is in "
            "docs/asyncapi.yaml."
        ),
        request=None,
        responses={201: io.TicketOutput, **error_responses(401, 429)},
        tags=["realtime"],
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        ticket = ticket_issue(user_id=request.user.pk)
        return Response({"ticket": ticket.ticket, "expires_in": ticket.expires_in}, status=201)
