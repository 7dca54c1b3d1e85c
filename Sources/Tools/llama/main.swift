import ArgumentParser

LlamaTool.main()
