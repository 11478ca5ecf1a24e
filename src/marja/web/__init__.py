"""The server-rendered Persian pages: shell, home, errors and display helpers."""
