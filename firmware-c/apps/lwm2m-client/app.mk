# Native LwM2M client (Linux process): build/native/lwm2m-client, see README.md for the CLI.
# An application's own objects compile in here as in the CC2538 images, with the same variables
# (apps/lwm2m-client/cc2538.mk): LWM2M_CLIENT_EXTRA_SRCS, LWM2M_CLIENT_EXTRA_OBJECTS,
# LWM2M_CLIENT_EXTRA_CFLAGS, from a fragment or the command line. Recursive (=): fragments included
# after this one may still append to them.
NATIVE_PROGS += lwm2m-client
lwm2m-client_SRCS = apps/lwm2m-client/native-main.c apps/lwm2m-client/lwm2m-client.c $(LWM2M_SRCS) \
  $(COAP_SRCS) $(LWM2M_CLIENT_EXTRA_SRCS)
lwm2m-client_CFLAGS = \
  $(if $(strip $(LWM2M_CLIENT_EXTRA_OBJECTS)),"-DLWM2M_CLIENT_EXTRA_OBJECTS=$(strip $(LWM2M_CLIENT_EXTRA_OBJECTS))") \
  $(LWM2M_CLIENT_EXTRA_CFLAGS)
