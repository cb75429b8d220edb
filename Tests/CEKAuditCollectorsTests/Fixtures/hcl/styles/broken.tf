resource "aws_kms_key" "broken" {
  description = "an unclosed list
}
