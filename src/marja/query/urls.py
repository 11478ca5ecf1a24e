app_name = "query"
urlpatterns: list[object] = []
