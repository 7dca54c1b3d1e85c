print("qlora: not yet implemented")
