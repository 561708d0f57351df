from django.urls import path

from . import otp_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/", views.preferences, name="preferences"),
    path("login/code/", otp_views.verify, name="otp_verify"),
    path("two-factor/", otp_views.settings_page, name="two_factor"),
    path("two-factor/setup/", otp_views.enrol, name="otp_enrol"),
    path("two-factor/codes/", otp_views.recovery_codes, name="otp_codes"),
]
