from django.urls import path

from . import views, views_live

app_name = "mailview"
urlpatterns = [
    path("", views.home, name="home"),
    path("mail/", views.home),
    # The folder is the full IMAP path and may contain the hierarchy delimiter.
    path("mail/<path:folder>/", views.mailbox, name="mailbox"),
    # The last segment is always the UID, so no folder name is mistaken for a message.
    path("message/<path:folder>/<int:uid>/", views.message, name="message"),
    # Live mail's polling fallback (the websocket is ws/live/, mailview/routing.py).
    path("updates/<path:folder>/", views_live.updates, name="updates"),
]
