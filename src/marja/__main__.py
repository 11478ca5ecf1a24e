from marja.cli import main

main()
