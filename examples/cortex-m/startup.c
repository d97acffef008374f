/* Minimal Cortex-M start-up for QEMU's MPS2 boards: the vector table (initial stack pointer,
 * reset handler), .data copied from flash, .bss zeroed, then main. */
#include <stdint.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
int main(void);

void reset_handler(void) {
  uint32_t *src = &__data_load, *dst = &__data_start;
  while (dst < &__data_end) *dst++ = *src++;
  for (dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  main();
  for (;;) {
  }
}

static void hang(void) {
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
  &__stack_top, (const void *)reset_handler, (const void *)hang, (const void *)hang, (const void *)hang,
  (const void *)hang, (const void *)hang};
