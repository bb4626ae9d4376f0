"""Authentication: password hashing, JWTs, API tokens and the AuthContext every route receives."""
