/* Runs a model exported with `bamsprod export --format c` on a file of images.
 *
 *   classify IMAGES [LABELS] [--logits]
 *
 * IMAGES: raw 8-bit images of BAMSPROD_INPUT_SIZE bytes each (channel-major), or an
 * uncompressed IDX image file (e.g. Fashion-MNIST's t10k-images-idx3-ubyte). LABELS: one byte
 * per image, raw or an IDX label file. Prints the accuracy (with LABELS) and the speed; with
 * --logits, one line per image instead: the predicted class and the logits' float32 bit
 * patterns in hex (for exact comparisons). C99 and the standard library only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bamsprod_model.h"

/* The whole file, or exits with a one-line error. */
static unsigned char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  unsigned char *data = NULL;
  size_t used = 0, capacity = 0, got;
  if (f == NULL) {
    fprintf(stderr, "classify: cannot open %s\n", path);
    exit(1);
  }
  do {
    if (used == capacity) {
      capacity = capacity == 0 ? 1u << 20 : 2 * capacity;
      data = (unsigned char *)realloc(data, capacity);
      if (data == NULL) {
        fprintf(stderr, "classify: out of memory reading %s\n", path);
        exit(1);
      }
    }
    got = fread(data + used, 1, capacity - used, f);
    used += got;
  } while (got > 0);
  fclose(f);
  *size = used;
  return data;
}

/* Skips an IDX header (magic 0x0000 08 NN) if there is one; returns the payload. */
static const unsigned char *skip_idx(const unsigned char *data, size_t *size) {
  size_t header;
  if (*size < 4 || data[0] != 0 || data[1] != 0 || data[2] != 0x08) return data;
  header = 4 + 4 * (size_t)data[3];
  if (*size < header) return data;
  *size -= header;
  return data + header;
}

int main(int argc, char **argv) {
  const char *images_path = NULL, *labels_path = NULL;
  const unsigned char *images, *labels = NULL;
  unsigned char *images_file, *labels_file = NULL;
  size_t images_size, labels_size = 0, count, i, correct = 0, passes = 0;
  int print_logits = 0, a;
  float logits[BAMSPROD_NUM_CLASSES];
  clock_t start;
  double seconds;
  for (a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--logits") == 0) print_logits = 1;
    else if (images_path == NULL) images_path = argv[a];
    else labels_path = argv[a];
  }
  if (images_path == NULL) {
    fprintf(stderr, "usage: classify IMAGES [LABELS] [--logits]\n");
    return 2;
  }
  images_file = read_file(images_path, &images_size);
  images = skip_idx(images_file, &images_size);
  if (images_size % BAMSPROD_INPUT_SIZE != 0) {
    fprintf(stderr, "classify: %s holds %lu bytes, not a whole number of %d-byte images\n", images_path,
            (unsigned long)images_size, BAMSPROD_INPUT_SIZE);
    return 1;
  }
  count = images_size / BAMSPROD_INPUT_SIZE;
  if (labels_path != NULL) {
    labels_file = read_file(labels_path, &labels_size);
    labels = skip_idx(labels_file, &labels_size);
    if (labels_size != count) {
      fprintf(stderr, "classify: %s holds %lu labels for %lu images\n", labels_path, (unsigned long)labels_size,
              (unsigned long)count);
      return 1;
    }
  }
  if (print_logits) {
    for (i = 0; i < count; i++) {
      int k, predicted = bamsprod_predict(images + i * BAMSPROD_INPUT_SIZE, logits);
      printf("%d", predicted);
      for (k = 0; k < BAMSPROD_NUM_CLASSES; k++) {
        uint32_t bits;
        memcpy(&bits, &logits[k], sizeof bits);
        printf(" %08lx", (unsigned long)bits);
      }
      printf("\n");
    }
    return 0;
  }
  /* Whole passes over the images until at least one second of CPU time, for a stable speed. */
  start = clock();
  do {
    for (i = 0; i < count; i++) {
      int predicted = bamsprod_predict(images + i * BAMSPROD_INPUT_SIZE, NULL);
      if (passes == 0 && labels != NULL && predicted == labels[i]) correct++;
    }
    passes++;
    seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  } while (count > 0 && seconds < 1.0);
  if (labels != NULL) {
    printf("accuracy %.4f (%lu / %lu images)\n", count == 0 ? 0.0 : (double)correct / (double)count,
           (unsigned long)correct, (unsigned long)count);
  }
  printf("%.0f images/s (one thread, %lu passes in %.2f s of CPU time)\n", (double)(passes * count) / seconds,
         (unsigned long)passes, seconds);
  free(images_file);
  free(labels_file);
  return 0;
}
