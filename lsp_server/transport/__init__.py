"""How bytes reach the server: stdio and TCP framing that survives a misbehaving client, the
protocol that answers bad params with errors, and TCP's token and bind checks."""
