# Compliant: no access key of the root user is left active.

resource "aws_iam_user" "deploy" {
  name = "deploy"
}

resource "aws_iam_access_key" "deploy" {
  user = aws_iam_user.deploy.name
}

resource "aws_iam_access_key" "root_disabled" {
  user   = "root"
  status = "Inactive"
}
