"""Each service database's schema and its history of migrations (Alembic).

``versions/<service>/`` holds one Alembic history per service database (each service owns
its database, so each has its own history and its own ``alembic_version``); ``migrations``
brings a database to the code's revision when the box office starts, and refuses one it
cannot trust.
"""
