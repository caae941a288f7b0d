# Native LwM2M client (Linux process): build/native/lwm2m-client, see README.md for the CLI.
NATIVE_PROGS += lwm2m-client
lwm2m-client_SRCS := apps/lwm2m-client/native-main.c $(LWM2M_SRCS) $(COAP_SRCS)
