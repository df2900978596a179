/**
 * Phone numbers for SMS delivery. The parser lives in shared/ because the
 * console checks numbers as they are typed with the same rules; services
 * import it from here.
 */
export { type CountryCode, type PhoneParse, parsePhone } from '../../../shared/schemas/phone';
