"""企业服务: the enterprise portal, problem side. A firm's users raise problems online with
their files, follow how each is handled, and rate the reply. Every page reaches the firm's
records only through ``issues.portal.selectors``, filtered by the user's own firm."""
