// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "number_text.h"

size_t number_text__unsigned(uint64_t value, char out[20])
{
	char reversed[20];
	size_t length = 0;

	do {
		reversed[length++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	for (size_t i = 0; i < length; i++)
		out[i] = reversed[length - 1 - i];
	return length;
}

size_t number_text__address(uint64_t value, char out[16])
{
	static const char digits[] = "0123456789abcdef";
	char reversed[16];
	size_t length = 0;

	do {
		reversed[length++] = digits[value & 0xf];
		value >>= 4;
	} while (value);
	while (length < 8)
		reversed[length++] = '0';
	for (size_t i = 0; i < length; i++)
		out[i] = reversed[length - 1 - i];
	return length;
}
