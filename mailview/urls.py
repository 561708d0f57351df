from django.urls import path

from . import views, views_message

app_name = "mailview"
urlpatterns = [
    path("", views.home, name="home"),
    path("mail/", views.home),
    # The folder is the full IMAP path and may contain the hierarchy delimiter.
    path("mail/<path:folder>/", views.mailbox, name="mailbox"),
    # The last segment is always the UID, so no folder name is mistaken for a message.
    # Reading a message (views_message): the page, its sandboxed HTML frame, parts, source, zip.
    path("message/<path:folder>/<int:uid>/", views_message.message, name="message"),
    path(
        "message-frame/<path:folder>/<int:uid>/<str:section>/",
        views_message.message_frame,
        name="message_frame",
    ),
    path(
        "message-part/<path:folder>/<int:uid>/<str:section>/",
        views_message.message_part,
        name="message_part",
    ),
    path(
        "message-source/<path:folder>/<int:uid>/",
        views_message.message_source,
        name="message_source",
    ),
    path("message-zip/<path:folder>/<int:uid>/", views_message.message_zip, name="message_zip"),
    path("trusted-senders/", views_message.trust_sender, name="trust_sender"),
]
