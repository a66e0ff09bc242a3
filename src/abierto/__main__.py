from abierto.cli.app import main

main()
