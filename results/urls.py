from django.urls import path

from .views import ballots, bundle, overview, results

app_name = "results"

urlpatterns = [
    path("nam/<int:pk>/ket-qua/", results.results, name="results"),
    path("nam/<int:pk>/ket-qua/trang-thai/", results.results_status, name="results_status"),
    path("nam/<int:pk>/ket-qua/tong-hop.pdf", results.summary_pdf, name="summary_pdf"),
    path("nam/<int:pk>/ket-qua/tong-hop.xlsx", results.summary_xlsx, name="summary_xlsx"),
    path("nam/<int:pk>/binh-xet/", ballots.ballot_list, name="ballot_list"),
    path("nam/<int:pk>/binh-xet/mo/", ballots.ballot_create, name="ballot_create"),
    path("binh-xet/<int:pk>/", ballots.ballot_detail, name="ballot_detail"),
    path("binh-xet/<int:pk>/dong/", ballots.ballot_close, name="ballot_close"),
    path("binh-xet/<int:pk>/bau-lai/", ballots.ballot_revote, name="ballot_revote"),
    path("nam/<int:pk>/binh-xet/van-ban/<slug:slug>/", results.vote_document,
         name="vote_document"),
    path("nam/<int:pk>/binh-xet/van-ban/<slug:slug>/pdf/", results.vote_document_pdf,
         name="vote_document_pdf"),
    path("co-quan/<int:pk>/tong-quan/", overview.authority_overview, name="authority_overview"),
    path("don-vi/<int:pk>/ket-qua/", overview.unit_results, name="unit_results"),
    path("nam/<int:pk>/in-ca-nam/", bundle.year_bundle, name="year_bundle"),
    path("nam/<int:pk>/in-ca-nam.pdf", bundle.year_bundle_pdf, name="year_bundle_pdf"),
]  # fmt: skip
