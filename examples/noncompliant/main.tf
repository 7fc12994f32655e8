# Non-compliant: each access key below belongs to the AWS root user and stays active.

resource "aws_iam_access_key" "root_active" {
  user   = "root"
  status = "Active"
}

# status is not set: the AWS provider defaults it to "Active".
resource "aws_iam_access_key" "root_default" {
  user = "root"
}

resource "aws_iam_access_key" "root_one_line" { user = "root" }
