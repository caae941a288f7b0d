UNIT_TESTS += test-coap
test-coap_SRCS := tests/unit/test-coap.c $(COAP_SRCS)
