from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cycles import views as cycle_views

urlpatterns = [
    path("", cycle_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("cycles/", include("cycles.urls")),
    path("", include("reviews.urls")),
]
