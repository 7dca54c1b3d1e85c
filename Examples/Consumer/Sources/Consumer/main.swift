import Tensor

let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
let b = a.transposed()
print(a.matmul(b))
