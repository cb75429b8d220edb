${jsonencode({
  Version = "2012-10-17"
  Statement = [
    {
      Sid       = "Root"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${account}:root" }
      Action    = "kms:*"
      Resource  = "*"
    },
  ]
})}
