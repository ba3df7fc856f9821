from atelier.lsp_server.cli.main import main

main()
