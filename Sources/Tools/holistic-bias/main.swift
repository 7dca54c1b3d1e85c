print("holistic-bias: not yet implemented")
