print("llama: not yet implemented")
