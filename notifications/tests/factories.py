import factory

from accounts.tests.factories import UserFactory
from notifications.models import DevicePlatform, Notification, NotificationKind, PushDevice


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.LIKE_RECEIVED
    title = factory.Sequence(lambda number: f"Notification {number}")
    body = "Someone likes you"
    data = factory.LazyFunction(dict)


class PushDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PushDevice

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda number: f"fcm-token-{number:06d}-abcdefghijklmnopqrstuvwxyz")
    platform = DevicePlatform.ANDROID
