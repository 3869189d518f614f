from django.urls import path

from . import views

app_name = "issuing"

urlpatterns = [
    path("nam/<int:pk>/so-van-ban/", views.register, name="register"),
    path("nam/<int:pk>/so-van-ban/cap-so/<slug:slug>/", views.issue, name="issue"),
    path("van-ban-da-ban-hanh/<int:pk>/pdf/", views.issued_pdf, name="issued_pdf"),
    path("so-van-ban/", views.register_list, name="register_list"),
    path("so-van-ban/so-van-ban.xlsx", views.register_xlsx, name="register_xlsx"),
    path("kiem-tra-chu-ky/", views.signature_check, name="signature_check"),
    path("xac-minh/", views.verify_form, name="verify_form"),
    path("xac-minh/<str:code>/", views.verify, name="verify"),
]
