"""Call-offs: mini-competitions among the framework's suppliers, from invitation to award."""
