/* Bare-metal Cortex-M program for an exported C model, run on QEMU's MPS2 boards with
 * semihosting: reads raw images from a host file (the first semihosting argument), one
 * BAMSPROD_INPUT_SIZE-byte image at a time, and prints one line per image like
 * `classify --logits` (the predicted class, then the logits' float32 bit patterns in hex).
 * No C library calls: semihosting (BKPT 0xAB) does the I/O. See docs/deploy.md. */
#include <stdint.h>
#include <string.h>
#include "bamsprod_model.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_READ 0x06
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023

static int semihost(int op, void *arg) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static void print(const char *text) { semihost(SYS_WRITE0, (void *)text); }

static void stop(int ok) {
  semihost(SYS_EXIT, (void *)(ok ? ADP_STOPPED_APPLICATION_EXIT : ADP_STOPPED_RUN_TIME_ERROR));
  for (;;) {
  }
}

static uint8_t image[BAMSPROD_INPUT_SIZE];
static char line[16 + 9 * BAMSPROD_NUM_CLASSES];

int main(void) {
  static char cmdline[256];
  uint32_t cmd[2];
  uint32_t open_args[3], read_args[3];
  float logits[BAMSPROD_NUM_CLASSES];
  int handle, k;
  cmd[0] = (uint32_t)cmdline;
  cmd[1] = sizeof cmdline;
  if (semihost(SYS_GET_CMDLINE, cmd) != 0 || cmdline[0] == 0) {
    print("usage: qemu-system-arm ... -semihosting-config enable=on,arg=IMAGES.raw\n");
    stop(0);
  }
  open_args[0] = (uint32_t)cmdline;
  open_args[1] = 1; /* "rb" */
  open_args[2] = (uint32_t)strlen(cmdline);
  handle = semihost(SYS_OPEN, open_args);
  if (handle < 0) {
    print("cannot open the image file\n");
    stop(0);
  }
  for (;;) {
    char *p = line;
    int predicted;
    read_args[0] = (uint32_t)handle;
    read_args[1] = (uint32_t)image;
    read_args[2] = sizeof image;
    if (semihost(SYS_READ, read_args) != 0) break; /* bytes not read: end of file */
    predicted = bamsprod_predict(image, logits);
    if (predicted >= 10) *p++ = (char)('0' + predicted / 10 % 10);
    *p++ = (char)('0' + predicted % 10);
    for (k = 0; k < BAMSPROD_NUM_CLASSES; k++) {
      uint32_t bits;
      int d;
      memcpy(&bits, &logits[k], sizeof bits);
      *p++ = ' ';
      for (d = 7; d >= 0; d--) *p++ = "0123456789abcdef"[(bits >> (4 * d)) & 15u];
    }
    *p++ = '\n';
    *p = 0;
    print(line);
  }
  semihost(SYS_CLOSE, &handle);
  stop(1);
  return 0;
}
